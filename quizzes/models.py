"""Quizzes, the item bank, attempts, skill mastery and flashcards (the Learning Center).

Nothing yet: the Learning Center issue fills this app in.
"""
