"""Our own message templates for the demo life (written for closeknit; nothing copied).

Every line is picked with the caller's ``random.Random``, so a seed gives the same text.
Templates are grouped by *intimacy level* (0 small talk and logistics, 1 work, news and
opinions, 2 everyday personal life, 3 feelings and disclosure, 4 deeply personal: health,
money trouble, love, family crises) and by register (chat, email, public post, professional).
"""

from __future__ import annotations

import random

__all__ = [
    "LEVELS_BY_TIER",
    "chat_line",
    "chat_reply",
    "email_message",
    "work_email",
    "list_post",
    "tweet",
    "public_reply",
    "pro_message",
    "fill",
]

# ---------------------------------------------------------------------------- slot values
SLOTS: dict[str, tuple[str, ...]] = {
    "place": ("the Lantern", "Pellicci's", "the corner café", "the Wenlock Arms", "Broadway Market", "the Barbican",
              "the pho place on Mare Street", "Victoria Park", "the Ritzy", "the taproom", "the library café",
              "Columbia Road", "the Turkish place", "the canal path", "the new ramen bar"),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "time": ("7", "7:30", "8", "6", "12:30", "1", "11", "half 6", "10"),
    "food": ("dumplings", "a curry", "pizza", "tacos", "that lasagne", "pho", "brunch", "a roast", "falafel"),
    "film": ("the new Almodóvar", "that heist film", "the Wes Anderson one", "the documentary about octopuses",
             "the Korean thriller", "the Miyazaki rerun", "the silly space comedy"),
    "book": ("the Ishiguro", "that book about sleep", "the Ferrante series", "a history of maps",
             "the climbing memoir", "the new Sally Rooney", "a cookbook I can't afford"),
    "project": ("the migration", "the Q3 report", "the onboarding revamp", "the pricing page", "the grant bid",
                "the data audit", "the launch", "the API cleanup", "the vendor review"),
    "family": ("your mum", "your dad", "your sister", "your brother", "the kids", "your gran", "your partner"),
    "my_family": ("my mum", "my dad", "my sister", "my brother", "my gran", "my aunt"),
    "thing": ("the bike", "the flat", "the boiler", "my laptop", "the car", "my phone", "the washing machine"),
    "city": ("Lisbon", "Glasgow", "Berlin", "Bristol", "Copenhagen", "Manchester", "Porto", "Edinburgh"),
    "topic": ("remote work", "the housing market", "AI tools", "four-day weeks", "cycling lanes", "sourdough",
              "open source funding", "the election", "climate targets", "night buses", "e-bikes"),
    "hobby": ("climbing", "pottery", "running", "the choir", "bouldering", "sketching", "the allotment", "chess"),
    "feeling": ("tired", "a bit flat", "really anxious", "oddly calm", "all over the place", "lonely", "overwhelmed"),
    "amount": ("£40", "£120", "£300", "£15", "£60", "£900"),
}


def fill(rng: random.Random, template: str, **given: str) -> str:
    """Fill ``{slot}`` fields of ``template``; ``given`` values win over random slot values."""
    if "{" not in template:
        return template
    values = dict(given)
    for key, options in SLOTS.items():
        if "{" + key + "}" in template and key not in values:
            values[key] = rng.choice(options)
    return template.format(**values)


# ---------------------------------------------------------------------------- chat lines
CHAT: dict[int, tuple[str, ...]] = {
    0: (
        "Hey {name}! How's your week going?",
        "Morning! 🌞",
        "Are we still on for {day}?",
        "Running 10 mins late, sorry!!",
        "On my way",
        "Just got here, I'm by the door",
        "Meet at {place} at {time}?",
        "Happy Friday 🎉",
        "Did you get home ok?",
        "Thanks for tonight, that was lovely",
        "Can't believe this weather",
        "Ha! Classic",
        "Have you seen {film} yet?",
        "Fancy {food} on {day}?",
        "I'm free after {time} if you want to call",
        "Nearly there, 5 mins",
        "Sorry, missed your call — all ok?",
        "Lol",
        "Haha amazing",
        "Sending you the link now",
        "What time works for you?",
        "Booked a table at {place} for {time}",
        "Got your parcel, thank you!",
        "Look at this dog 😂",
        "Happy birthday!! 🎂 Hope you have the best day",
        "See you {day}!",
        "How was your weekend?",
        "Any plans for the weekend?",
    ),
    1: (
        "Work is mad this week, {project} is eating everything",
        "Did you read about {topic}? I have Opinions",
        "I think the whole {topic} debate is overblown tbh",
        "Finally finished {book}. The ending!!",
        "Started {hobby} again, my arms hurt",
        "What are you working on these days?",
        "My manager wants {project} done by {day}, lol",
        "Honestly {topic} is the only thing anyone talks about at work",
        "Have you tried the new place on the high street? Overpriced but good",
        "Thinking of going to {city} in the spring, have you been?",
        "I had a good idea for {project} in the shower, annoyingly",
        "Did the interview go well?",
        "What did you think of {film}?",
        "We should do {hobby} together some time",
        "Tell me everything about {city}",
        "Is it worth reading {book}?",
    ),
    2: (
        "How's {family} doing?",
        "{my_family} is visiting this weekend, wish me luck",
        "I've been sleeping so badly lately",
        "Thinking about moving flats again, the landlord is impossible",
        "Had a long chat with {my_family} last night, it was actually nice",
        "I've been feeling {feeling} this week, not sure why",
        "{thing} broke AGAIN. Why is everything expensive",
        "Are you doing ok? You seemed quiet on {day}",
        "I miss our walks",
        "Went for a run by the canal and it helped a lot",
        "I keep meaning to call {my_family} and then not doing it",
        "How's the new job treating you, really?",
        "Been trying to cook more, had {food} three nights running",
        "Do you ever feel like the weeks just disappear?",
    ),
    3: (
        "Can I be honest? I've been struggling a bit lately",
        "I don't really know who else to tell this to",
        "I think I need to talk to someone about how I've been feeling",
        "I'm really worried about money this month, rent went up again",
        "I had a bit of a cry on the bus today, it's been a week",
        "Things with {my_family} are hard right now",
        "I feel like I'm failing at everything at the moment",
        "Do you ever feel lonely even when you're with people?",
        "I'm scared I'm going to lose my job",
        "Thank you for always being there, I mean it",
        "I'm so proud of you, you know that right?",
        "I've been thinking a lot about whether I'm happy here",
        "Are you happy, like actually happy?",
        "What's been weighing on you lately?",
    ),
    4: (
        "The test results came back. It's not great. Can we talk tonight?",
        "I think my relationship is ending and I don't know what to do",
        "I had a panic attack at work today",
        "I'm in more debt than I've told anyone, about {amount} short every month",
        "{my_family} has been diagnosed. I'm still processing it",
        "I love you, you know. You're family to me",
        "I started therapy. First session was brutal but good",
        "I haven't told anyone else but I'm pregnant",
        "Do you think I'm a good person? Honestly",
        "I'm not sleeping because of the anxiety. It's bad",
        "What's the thing you're most afraid of right now?",
        "Have you ever felt like you wanted to disappear?",
    ),
}

REPLIES: dict[int, tuple[str, ...]] = {
    0: ("Haha yes", "Sounds good!", "Perfect 👍", "Ok see you there", "Yes!!", "Ah nice", "Sure, works for me",
        "No worries", "Thank you!", "😂😂", "Can't wait", "Sorry only just seen this", "Yep", "Deal", "Omg yes",
        "Let's do it", "Aw thanks", "Ha, same"),
    1: ("Totally agree", "I'm not so sure about that tbh", "Interesting, tell me more", "That sounds intense",
        "Ugh, good luck with it", "Yes!! Finally someone said it", "Hmm I see it differently",
        "Send me the article?", "That's a good point actually"),
    2: ("Aw, that sounds hard", "Glad it was nice", "Same here honestly", "You deserve a break",
        "Let's catch up properly soon", "How are you feeling about it?", "Oh no, sorry to hear that",
        "Do you want to come over?", "I'm around if you need anything"),
    3: ("I'm really glad you told me", "That sounds so hard. I'm here", "You're not failing, I promise",
        "Do you want to talk tonight?", "Thank you for trusting me with this", "I feel that too sometimes",
        "Call me whenever, I mean it"),
    4: ("I'm so sorry. I'm coming over", "I love you too. We'll get through this", "Thank you for telling me",
        "That's huge. How are you feeling?", "I'm proud of you for doing that", "I'm here. Always"),
}

#: Probability of each intimacy level in a private 1:1 conversation, per tier.
LEVELS_BY_TIER: dict[str, tuple[float, ...]] = {
    "intimate": (0.26, 0.18, 0.26, 0.2, 0.1),
    "close": (0.33, 0.24, 0.25, 0.14, 0.04),
    "friend": (0.5, 0.3, 0.17, 0.03, 0.0),
    "acquaintance": (0.7, 0.27, 0.03, 0.0, 0.0),
    "work": (0.55, 0.45, 0.0, 0.0, 0.0),
    "stranger": (0.8, 0.2, 0.0, 0.0, 0.0),
    "list": (0.6, 0.4, 0.0, 0.0, 0.0),
}


def _level(rng: random.Random, tier: str) -> int:
    return rng.choices(range(5), LEVELS_BY_TIER.get(tier, LEVELS_BY_TIER["acquaintance"]))[0]


def chat_line(rng: random.Random, tier: str, name: str = "") -> tuple[str, int]:
    """An opening chat line for a 1:1 private conversation and its intimacy level."""
    lvl = _level(rng, tier)
    return fill(rng, rng.choice(CHAT[lvl]), name=name), lvl


def chat_reply(rng: random.Random, level: int) -> str:
    """A reply that fits a line of intimacy ``level`` (sometimes a new line instead)."""
    if rng.random() < 0.3:
        lvl = max(0, min(4, level + rng.choice((-1, 0, 0))))
        return fill(rng, rng.choice(CHAT[lvl]), name="")
    return rng.choice(REPLIES[level])


# ---------------------------------------------------------------------------- email
EMAIL_SUBJECTS: dict[int, tuple[str, ...]] = {
    0: ("Dinner on {day}?", "Photos from the weekend", "Quick question", "Catching up", "Hello from {city}",
        "That recipe", "Your birthday plans?", "Tickets"),
    1: ("Thoughts on {topic}", "Article you might like", "Book recommendation", "{city} trip ideas",
        "Re-reading {book}"),
    2: ("Long overdue update", "News from our side", "Checking in", "It's been a while"),
    3: ("Something I wanted to tell you", "A hard few months", "Thank you"),
    4: ("Not easy to write this", "Please read when you have a moment"),
}
EMAIL_BODIES: dict[int, tuple[str, ...]] = {
    0: ("Are you free for dinner on {day}? I was thinking {place} around {time}.",
        "Attaching the photos from the weekend - the one of the dog is my favourite.",
        "Quick one: do you still have my copy of {book}? No rush at all.",
        "Just wanted to say hi and see how things are going with you.",
        "Here's that recipe I promised. Swap the cream for yoghurt if you want it lighter."),
    1: ("I read a long piece about {topic} this morning and immediately thought of our argument about it.",
        "You have to read {book}. I think you'd have a lot to say about chapter three.",
        "We're planning a few days in {city}. Any tips on where to stay or eat?",
        "Work is all {project} at the moment, but I'm finally starting to enjoy it."),
    2: ("It's been far too long. Life has been busy: {my_family} moved closer, and I've taken up {hobby}.",
        "I keep thinking about our conversation last month. How are things with {family}?",
        "Quick update from us: new flat, same chaos. We'd love to have you over once we've unpacked."),
    3: ("I wanted to write this properly rather than in a text. The last few months have been harder than "
        "I let on, and your messages really helped.",
        "I've been feeling {feeling} for a while and I think I'm finally ready to talk about it."),
    4: ("I didn't want to tell you this over the phone. {my_family} is ill, and it's serious. "
        "I'm taking some time off to be with them.",
        "I've decided to leave. It's been coming for a long time and I feel both terrified and relieved."),
}
GREETINGS = ("Hi {name},", "Hey {name},", "Dear {name},", "{name},", "Hello {name}!")
SIGNOFFS = ("Love,", "Speak soon,", "x", "Cheers,", "Best,", "All the best,", "Hugs,")
EMAIL_REPLY_OPENERS = ("Thanks so much for this.", "So good to hear from you!", "Sorry for the slow reply.",
                       "Ah, this made my day.", "Great to hear from you.")


def email_message(rng: random.Random, tier: str, to_name: str, from_name: str) -> tuple[str, str, int]:
    """(subject, body, level) for a personal email."""
    lvl = _level(rng, tier)
    lvl = min(lvl, 4)
    subject = fill(rng, rng.choice(EMAIL_SUBJECTS[lvl]))
    body = "\n\n".join(
        (
            fill(rng, rng.choice(GREETINGS), name=to_name),
            fill(rng, rng.choice(EMAIL_BODIES[lvl])),
            f"{rng.choice(SIGNOFFS)}\n{from_name}",
        )
    )
    return subject, body, lvl


def email_reply(rng: random.Random, level: int, to_name: str, from_name: str) -> str:
    """Body of a reply to a personal email."""
    return "\n\n".join(
        (
            fill(rng, rng.choice(GREETINGS), name=to_name),
            rng.choice(EMAIL_REPLY_OPENERS) + " " + chat_reply(rng, level),
            f"{rng.choice(SIGNOFFS)}\n{from_name}",
        )
    )


WORK_SUBJECTS = ("{project}: next steps", "Notes from today's call", "Quick review needed", "Agenda for {day}",
                 "Re-planning {project}", "Budget question", "Intro: you two should talk", "Draft attached",
                 "Timeline for {project}", "Feedback on the proposal")
WORK_BODIES = ("Following up on today's call: I've put the open questions on {project} in the shared doc. "
               "Could you look at section 2 before {day}?",
               "Can you take a quick look at the draft? Mostly the numbers on page 3.",
               "We're slipping a week on {project}. I'd rather say so now than surprise anyone.",
               "I'd like to move our sync to {day} at {time}, if that works for you.",
               "The vendor came back with a lower quote. I think we take it, but I'd like your read.",
               "Great work on the demo yesterday. The client was impressed.",
               "Two options for the rollout attached. I lean towards the second one.",
               "Could you send me the latest figures? I'm presenting on {day}.")
WORK_REPLIES = ("Thanks, will do.", "Looks good to me, a couple of comments inline.", "Agreed. Let's go with option 2.",
                "{day} works. I'll send an invite.", "On it, should have something by end of day.",
                "Sorry for the delay, here are the figures.", "Makes sense. Can we loop in finance?")


def work_email(rng: random.Random, to_name: str, from_name: str) -> tuple[str, str]:
    subject = fill(rng, rng.choice(WORK_SUBJECTS))
    body = "\n\n".join((f"Hi {to_name},", fill(rng, rng.choice(WORK_BODIES)), f"Thanks,\n{from_name}"))
    return subject, body


def work_reply(rng: random.Random, to_name: str, from_name: str) -> str:
    return "\n\n".join((f"Hi {to_name},", fill(rng, rng.choice(WORK_REPLIES)), f"Best,\n{from_name}"))


LIST_SUBJECTS = ("Plot 14 water butt", "Seed swap on {day}", "Compost delivery", "Lost secateurs",
                 "Working party this {day}", "Slug strategies?", "Committee minutes", "Shed key",
                 "Leeks bolting", "Spare raspberry canes", "Rainfall this month", "AGM date")
LIST_BODIES = ("Hello all, a reminder that the working party meets on {day} at {time}. Bring gloves.",
               "Does anyone have spare canes? Happy to swap for courgettes (I have far too many).",
               "The compost delivery is booked. Please don't park in front of the gate that morning.",
               "Found a pair of secateurs by the shed. Reply if they're yours.",
               "Minutes from the committee meeting are below. Main item: the water supply.",
               "Beer traps, copper tape, or just giving up? Asking for a friend.",
               "Thanks to everyone who came on Saturday, the paths look great.")
LIST_REPLIES = ("I'll be there!", "Mine are the green-handled ones, thank you!", "Beer traps, every time.",
                "Could we move it to the afternoon?", "I have a few spare, will leave them by the shed.",
                "+1, thanks for organising.", "Copper tape worked for me last year.")


def list_post(rng: random.Random, from_name: str) -> tuple[str, str]:
    return fill(rng, rng.choice(LIST_SUBJECTS)), fill(rng, rng.choice(LIST_BODIES)) + f"\n\n{from_name}"


def list_reply(rng: random.Random, from_name: str) -> str:
    return fill(rng, rng.choice(LIST_REPLIES)) + f"\n\n{from_name}"


# ---------------------------------------------------------------------------- X / public
TWEETS = ("Hot take: {topic} is mostly a scheduling problem",
          "Finished {book} on the train. Recommend.",
          "The canal at 7am is the best thing about this city",
          "Anyone know a good bike mechanic in east London?",
          "Spent the whole day on {project} and I think I finally understand it",
          "Small joys: {food} and a quiet evening",
          "Reading about {topic} again and I'm more confused than before",
          "Thread of things I learned this year about {topic} 🧵",
          "Can't recommend {film} enough",
          "Trying {hobby} for the first time tomorrow, wish me luck",
          "Why does every meeting need a pre-meeting",
          "New blog post on {topic} is up",
          "Grateful for good friends and strong coffee",
          "Today in {city}: rain, pastries, more rain")
PUBLIC_REPLIES = ("Ha, this is so true", "Completely agree", "I'd push back a little on the second point",
                  "Great thread, thanks for writing it up", "Where was this taken?", "Congrats!! 🎉",
                  "Following for the answers", "This is the content I'm here for", "Same experience here",
                  "Interesting, do you have a source?", "Love this", "Not sure I buy it, but good read",
                  "Welcome to the club", "Thank you!", "Good point", "Oh no 😂")


def tweet(rng: random.Random) -> str:
    return fill(rng, rng.choice(TWEETS))


def public_reply(rng: random.Random) -> str:
    return rng.choice(PUBLIC_REPLIES)


# ---------------------------------------------------------------------------- LinkedIn
PRO_MESSAGES = ("Hi {name}, thanks for connecting! Enjoyed your talk on {topic}.",
                "Hi {name}, we're hiring for a role on {project} that looks like a great fit. Open to a chat?",
                "Thanks for the intro last week, the call went well.",
                "Congrats on the new role!",
                "Would you be open to a 20-minute call about {topic} next week?",
                "Great to meet you at the meetup. Here's the deck I mentioned.",
                "Happy to help, send over the details.",
                "Thanks! Yes, let's find a time.")


def pro_message(rng: random.Random, name: str) -> str:
    return fill(rng, rng.choice(PRO_MESSAGES), name=name)


# ---------------------------------------------------------------------------- blog
BLOG_TITLES = ("What I learned redesigning {project}", "A year on the allotment", "Notes on {topic}",
               "Why I stopped using dark patterns", "Cycling to work in winter: a field guide",
               "The case for boring design systems", "Reading list: {book} and others", "On saying no at work",
               "Sketchbook: {city}", "Small tools I rely on", "How we run design crits", "Things I got wrong about {topic}")
BLOG_COMMENTS = ("Really enjoyed this, thank you for writing it.", "The part about {topic} rang true for me.",
                 "We tried something similar at work and it went badly, so this is reassuring!",
                 "Do you have a template for this? Would love to borrow it.", "Great post. Sharing with my team.",
                 "I disagree a bit on the second point, but well argued.", "Lovely photos!",
                 "This is the post I needed this week.", "How long did the whole thing take you?",
                 "Bookmarked. More of these please.")
BLOG_REPLIES = ("Thank you! Glad it helped.", "Happy to share it, I'll email you.", "Fair point, I might write a follow-up.",
                "About three months, most of it arguing about colours.", "Ha, thanks for reading!")


def blog_title(rng: random.Random) -> str:
    return fill(rng, rng.choice(BLOG_TITLES))


def blog_comment(rng: random.Random) -> str:
    return fill(rng, rng.choice(BLOG_COMMENTS))


def blog_reply(rng: random.Random) -> str:
    return rng.choice(BLOG_REPLIES)
