"""`python -m refaire …`: the same command line as the `refaire` script."""

from refaire.cli import app

if __name__ == "__main__":
    app(prog_name="refaire")
