"""starcoach: a spoken mock-interview coach that runs entirely on your own machine.

The package follows the pipeline a candidate's answer takes:

    capture → transcribe → analysis → run (the coach) → store → report / replay / export

Heavy libraries (faster-whisper, spaCy, sounddevice) are imported lazily inside the functions
that need them, so ``starcoach --help`` starts instantly.
"""

__version__ = "0.1.0"
