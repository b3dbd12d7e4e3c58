# Copy to instance/config.py and adjust. Every name is a setting of
# moderation/config.py; environment variables (FLASK_<NAME>) override these.

# PUBLIC_MAX_AGE = 30
# BODY_MAX_LENGTH = 5000
# CLOSE_AFTER_DAYS = 30   # close articles a month after publication (or their first comment)
# TRUSTED_HOSTS = ["comments.example"]
# ALLOWED_ORIGINS = ["https://news.example"]
# PROXY_FIX_X_FOR = 1
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"   # only with several hosts
# Notifications (README "Notifications"): links in mails, and the mail relay.
# PUBLIC_URL = "https://comments.news.example"
# MAIL_FROM = '"News comments" <comments@news.example>'
# SMTP_HOST = "smtp.news.example"
# SMTP_USERNAME = "comments"
# ARTICLE_URL_TEMPLATE = "https://news.example/{article_id}"
