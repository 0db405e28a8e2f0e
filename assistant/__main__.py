"""`python -m assistant` runs the same CLI as the `maatwerk` console script."""

from assistant.cli.main import main

if __name__ == "__main__":
    main()
