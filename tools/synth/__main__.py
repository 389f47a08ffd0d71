"""`python -m tools.synth --preset demo|full --out DIR`, or explicit sizes: see `--help`."""

from tools.synth.cli import main

raise SystemExit(main())
