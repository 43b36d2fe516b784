"""The one place that composes the steps: fetch, parse, validate, store, diff, narrate, publish."""
