"""Assessment content the AI mentor must never show: the fixtures plant it, the tests look
for it in what reaches a learner."""

# Markers that must never reach a learner-facing context: an assessment question's content.
SECRET_PROMPT = "Which port does the ZEBRAPORT container expose"
SECRET_EXPLANATION = "The ZEBRAPORT answer is 8080 because assessment secrets stay secret"
SECRET_CHOICE = "Port 8080 ZEBRAPORT"
