"""The Matrix adapter on matrix-nio: ``!commands``, numbered choices, direct rooms, a stored
sync token. Modules: ``render`` (markup → notice), ``sender`` (the `Sender` port, Matrix
errors → delivery outcomes), ``events`` (event → `Inbound`), ``client`` (sync and wiring)."""

from bots.matrix.client import TOKEN_ENV, MatrixBot, create_bot, open_sender, run_matrix
from bots.matrix.sender import PLATFORM, MatrixSender

__all__ = [
    "PLATFORM",
    "TOKEN_ENV",
    "MatrixBot",
    "MatrixSender",
    "create_bot",
    "open_sender",
    "run_matrix",
]
