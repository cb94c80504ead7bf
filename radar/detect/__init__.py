"""Reading articles: which installment, which event, which date (the classifier's parts)."""
