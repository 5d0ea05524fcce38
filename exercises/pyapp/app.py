"""The notes' Python case: an interpreted program needs its interpreter in the final image."""

# ANCHOR: app
import os
import sys


def main() -> int:
    print(f"Hello from Python {sys.version.split()[0]}")
    shells = [p for p in ("/bin/sh", "/usr/bin/sh", "/bin/bash", "/busybox/sh") if os.path.exists(p)]
    print(f"running as uid {os.getuid()}; shell in this image: {'yes ' + ', '.join(shells) if shells else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
# ANCHOR_END: app
