"""Makes the Hangul fonts the figures embed (dlfs-plot's assets/fonts/dlfsGothic*.ttf).

Why our own script: the figures need Korean text with no system fonts, and a whole Korean
font is 4.6 MB; this keeps the 2,350 syllables of KS X 1001 (the ones EUC-KR can write, which
covers everyday Korean), the Hangul letters, ASCII, Latin-1 and a few punctuation marks.

The source is NanumGothic (SIL OFL 1.1, Debian's fonts-nanum). "Nanum" and "NanumGothic"
are Reserved Font Names, and a subset is a modified version, so the result is renamed
"dlfs Gothic" and keeps the OFL (assets/fonts/LICENSE-dlfsGothic.txt).

    python subset_hangul.py /usr/share/fonts/truetype/nanum OUTPUT_DIR   (needs fontTools)
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "dlfs Gothic"
# ASCII, Latin-1, Greek, super- and subscripts, punctuation, arrows, mathematical operators and
# the Hangul letters; code points the font lacks are skipped.
EXTRA = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x370, 0x400), *range(0x2010, 0x2027),
         *range(0x2070, 0x20A0), *range(0x2190, 0x2200), *range(0x2200, 0x2300),
         *range(0x3131, 0x318F)]


def ks_x_1001_syllables() -> list[int]:
    """The Hangul syllables of KS X 1001: EUC-KR rows 0xB0-0xC8, columns 0xA1-0xFE."""
    found = []
    for row in range(0xB0, 0xC9):
        for col in range(0xA1, 0xFF):
            try:
                found.append(ord(bytes([row, col]).decode("euc-kr")))
            except UnicodeDecodeError:
                pass
    return found


def make(source: Path, target: Path, style: str) -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=ks_x_1001_syllables() + EXTRA)
    subsetter.subset(font)
    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    names = {1: FAMILY, 2: style, 3: f"{full};subset of NanumGothic", 4: full,
             6: full.replace(" ", "") }
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names:
            table.setName(names[record.nameID], record.nameID, record.platformID,
                          record.platEncID, record.langID)
    font.save(str(target))


if __name__ == "__main__":
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    make(src / "NanumGothic.ttf", out / "dlfsGothic.ttf", "Regular")
    make(src / "NanumGothicBold.ttf", out / "dlfsGothic-Bold.ttf", "Bold")
