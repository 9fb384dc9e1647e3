"""``python -m mindstate.pretrained RUN DEST``: package a text PAD run with its model card."""

import sys

from . import package_run, text_model_card

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m mindstate.pretrained RUN DEST")
    print(package_run(sys.argv[1], sys.argv[2], text_model_card(sys.argv[1])))
