"""One module per `iamdocs` subcommand; `iamdocs.cli` discovers them."""
