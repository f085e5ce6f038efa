"""``flask pdf warm``: build the document font and load the renderer before anyone waits."""

from __future__ import annotations

import click
from flask.cli import AppGroup

pdf_cli = AppGroup("pdf", help="PDF documents / 文书")


@pdf_cli.command("warm")
def warm_command() -> None:
    """Build the core document fonts into the PDF cache (once per installed font) and render a
    sample, so no visitor waits for it; run during set-up and after deploying."""
    from grants.pdf import FontMissing
    from grants.pdf.warm import warm
    from grants.web.documents import pdf_cache_dir

    try:
        result = warm(pdf_cache_dir())
    except FontMissing as error:
        raise click.ClickException(str(error)) from error
    state = "built" if result.built else "already built"
    click.echo(f"document fonts {state} in {pdf_cache_dir() / 'fonts'} ({result.seconds:.1f} s)")
