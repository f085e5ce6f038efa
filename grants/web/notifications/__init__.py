"""In-app notifications: the inbox and the unread badge."""
