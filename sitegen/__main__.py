"""`python -m sitegen` behaves exactly like the `sitegen` console script."""

from sitegen.cli import main

if __name__ == "__main__":
    main()
