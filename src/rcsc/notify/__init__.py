"""Notifications leaving the node after a commit: email over SMTP and HMAC-signed webhooks."""
