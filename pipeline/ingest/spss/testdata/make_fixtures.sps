* Builds the Dutch test fixtures for package spss.
* Run from this directory: LC_ALL=C.UTF-8 pspp make_fixtures.sps
* It writes veldpeiling_{uncompressed,bytecode,zlib}.sav (UTF-8) and
* veldpeiling_cp1252.sav (windows-1252, bytecode-compressed).

SET LOCALE='UTF-8'.
INSERT FILE='veldpeiling_data.sps' ENCODING='UTF-8'.
SAVE OUTFILE="veldpeiling_uncompressed.sav" /UNCOMPRESSED.
SAVE OUTFILE="veldpeiling_bytecode.sav" /COMPRESSED.
SAVE OUTFILE="veldpeiling_zlib.sav" /ZCOMPRESSED.

NEW FILE.
SET LOCALE='windows-1252'.
INSERT FILE='veldpeiling_data.sps' ENCODING='UTF-8'.
SAVE OUTFILE="veldpeiling_cp1252.sav" /COMPRESSED.
