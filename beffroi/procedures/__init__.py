"""Démarches en ligne: a commune's téléprocédures under the CRPA — form builder, filing, receipts, instruction."""
