"""The district's policy: the rule registry (`rules`), running it (`check`) and pull-request mode."""
