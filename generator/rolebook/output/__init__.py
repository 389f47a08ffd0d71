"""What people read: the validator's report formats (`report`) and the static site (`site`)."""
