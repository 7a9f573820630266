"""Ice-breaker questions the table host asks to open each round: the report's four first, then more."""

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("Waar ben je trots op?", "What are you proud of?"),
    ("Wat deed je als kind graag?", "What did you love doing as a child?"),
    ("Waar krijg jij weleens een compliment over?", "What do people sometimes compliment you on?"),
    ("Waar krijg je energie van?", "What gives you energy?"),
    ("Wat is je favoriete plek in de wijk?", "What is your favourite place in the neighbourhood?"),
    ("Welk gerecht zou je iedereen aan deze tafel willen laten proeven?",
     "Which dish would you like everyone at this table to taste?"),
    ("Wie heeft jou ooit echt geholpen?", "Who once really helped you?"),
    ("Wat zou je graag nog willen leren?", "What would you still like to learn?"),
    ("Wat maakt een buurt een fijne buurt?", "What makes a neighbourhood a good one?"),
    ("Waar kun je de tijd bij vergeten?", "What makes you lose track of time?"),
    ("Welk liedje neemt je mee terug in de tijd?", "Which song takes you back in time?"),
    ("Wat zou je doen met een vrije middag in de wijk?", "What would you do with a free afternoon in the neighbourhood?"),
    ("Welke traditie uit je familie koester je?", "Which family tradition do you cherish?"),
    ("Waar heb je laatst hard om gelachen?", "What made you laugh out loud recently?"),
    ("Wat zou je andere bewoners willen leren?", "What could you teach other residents?"),
    ("Wie is voor jou een voorbeeld?", "Who is a role model for you?"),
    ("Wat was je eerste baantje?", "What was your first job?"),
    ("Welke plek ter wereld voelt als thuis?", "Which place in the world feels like home?"),
    ("Wat doe je graag samen met anderen?", "What do you like doing together with others?"),
    ("Wat wil je dit jaar nog meemaken?", "What would you still like to experience this year?"),
)


def question(index: int) -> dict:
    nl, en = QUESTIONS[index % len(QUESTIONS)]
    return {"nl": nl, "en": en}
