"""The domain model: plain values and rules that know nothing of feeds, storage or delivery."""
