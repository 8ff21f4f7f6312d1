"""The autofill engine: a deterministic, Spanish-aware filler for vendors' invoicing forms.

The pure modules (text, meanings, classify, options, formats, outcome) read what a portal
shows and decide what it means; the browser-driving modules act on those decisions.
"""
