"""Run as a script (never imported): compile one typst document in a process of its own.

    python typst_child.py PROGRAM FONT_DIR [FONT_DIR ...] < data.json > document.pdf

Reads the document's JSON data on standard input, lays ``PROGRAM`` out over it with only the
fonts in ``FONT_DIR`` (and typst's own), and writes the PDF to standard output. It imports
nothing of the platform, so it starts in a few hundredths of a second, and the memory typst
keeps for the layout goes when it exits. Errors go to standard error with exit status 1.
"""

import sys

import typst


def main(argv: list[str]) -> int:
    """Compile and write the PDF; the exit status says whether it worked."""
    program, *font_dirs = argv
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                        font_paths=font_dirs)
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    data = sys.stdin.buffer.read().decode("utf-8")
    with open(program, "rb") as file:
        source = file.read()
    try:
        pdf = compiler.compile(input=source, sys_inputs={"doc": data}, pdf_tags=False)
    except typst.TypstError as error:
        sys.stderr.write(f"typst: {error.message}\n")
        return 1
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
