"""``python -m mockso`` runs the ``mockso`` command."""

from mockso.cli import main

main()
