"""`make bench`: the figures of the whole path under load, beside the bare NLU parse time (`python -m bench`)."""
