"""金点子 公益创投 grant-competition platform."""
