"""Mentor profiles, evidence submissions, rubrics, reviews and the AI mentor.

Nothing yet: the mentor issues fill this app in.
"""
