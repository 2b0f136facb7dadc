"""Write src/ask/html-entities.json: the tables Python's html.unescape decodes with (the HTML5
named character references, and the numeric references it replaces or drops), and the capitalised
entities ftfy.fix_text also decodes ("&EACUTE;"), so that the JS tokenizer cleans text exactly as
open_clip does (ftfy, then html.unescape twice). Data from the Python standard library and ftfy;
run it again when either changes:

    python scripts/gen_html_entities.py            (from site_templates/explorer)
"""

import html
import html.entities
import json
from pathlib import Path

from ftfy.chardata import HTML_ENTITIES

OUT = Path(__file__).resolve().parent.parent / "src" / "ask" / "html-entities.json"


def tables() -> dict:
    return {
        "named": dict(sorted(html.entities.html5.items())),
        "invalid_charrefs": {str(k): v for k, v in sorted(html._invalid_charrefs.items())},
        "invalid_codepoints": sorted(html._invalid_codepoints),
        "ftfy_upper": {k[1:]: v for k, v in sorted(HTML_ENTITIES.items()) if k[1:] not in html.entities.html5},
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(tables(), ensure_ascii=True, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
