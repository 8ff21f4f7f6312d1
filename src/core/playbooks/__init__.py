"""Playbooks: a portal's successful flow, recorded without the buyer's values and replayed
for the same buyer's next ticket at that portal with no LLM."""
