"""The bottom layer every other layer may use: errors and exit codes, atomic output files,
number formatting, named random streams, statistics helpers, the dial-outcome vocabulary, the
clock's units and the document schema ids."""
