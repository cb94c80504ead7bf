"""`python -m radar.cli`: the same as the `renewal-radar` executable."""

import sys

from radar.cli.launch import main

sys.exit(main())
