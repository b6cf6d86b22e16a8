from tracks import services


def enroll(learner, track, *, background="software-engineer", hours=10, **extra):
    goals = services.GoalsInput(
        track=track,
        background=background,
        hours_per_week=hours,
        time_zone=extra.pop("time_zone", "Europe/Paris"),
        target_date=extra.pop("target_date", None),
        skills=tuple(extra.pop("skills", ())),
    )
    return services.save_goals(learner=learner, goals=goals, **extra)
