"""Word lists for name detection: inflection endings, Arabic clitics, particles, and common
given names (a hint for the likely-name detector, never the last word: the advisor is)."""

from __future__ import annotations

# Case endings that may follow a name's stem: Slavic (ru, uk, pl, cs), German, Dutch, Finnish-
# style genitives are not covered. Longest first, so the regex prefers the longer ending.
INFLECTION_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        {
            # Russian / Ukrainian / Belarusian
            "а",
            "я",
            "у",
            "ю",
            "е",
            "и",
            "ы",
            "ой",
            "ей",
            "ом",
            "ем",
            "ою",
            "ею",
            "ию",
            "ии",
            "ия",
            "ией",
            "ым",
            "им",
            "ого",
            "его",
            "ому",
            "ему",
            "ую",
            "ых",
            "их",
            "ами",
            "ями",
            "ах",
            "ях",
            "ові",
            "еві",
            "ів",
            "ї",
            "єю",
            "ої",
            # Polish / Czech
            "ę",
            "ą",
            "owi",
            "em",
            "ie",
            "iem",
            "ego",
            "emu",
            "iego",
            "iemu",
            "im",
            "ym",
            "ej",
            "ów",
            "ou",
            "ovi",
            "y",
            "o",
            "u",
            "a",
            "e",
            "i",
            # German / Dutch / English / Scandinavian possessive and plural
            "s",
            "es",
            "n",
            "en",
            "ns",
            "'s",
            "’s",
            "'",
            "’",
            "je",
            "tje",
        },
        key=len,
        reverse=True,
    )
)


def _words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in text.split())


# Proclitics written together with an Arabic word: conjunctions, prepositions, the article.
ARABIC_PREFIXES: tuple[str, ...] = (
    "وبال",
    "وال",
    "بال",
    "فال",
    "كال",
    "لل",
    "ال",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)
# Attached pronouns and the feminine/dual/plural endings that may follow a name.
ARABIC_SUFFIXES: tuple[str, ...] = ("هما", "هم", "ها", "ه", "ي", "ك", "نا", "ة", "ان", "ين", "ون")

# Lower-case words allowed between the parts of a name ("Anna van der Berg", "Omar al Farouk").
NAME_PARTICLES: frozenset[str] = frozenset(
    {
        "van",
        "der",
        "den",
        "de",
        "het",
        "ter",
        "ten",
        "te",
        "von",
        "zu",
        "vom",
        "da",
        "das",
        "dos",
        "do",
        "di",
        "del",
        "della",
        "du",
        "des",
        "le",
        "la",
        "al",
        "el",
        "bin",
        "ibn",
        "ben",
        "bint",
        "abu",
        "y",
        "e",
        "mac",
        "mc",
        "st",
    }
)

# Capitalised words that commonly start a sentence or name an institution, not a person.
NOT_NAMES: frozenset[str] = _words(
    "The A An In On At Of For From To With And But Or If When While After Before During "
    "This That These Those He She They We You I It His Her Their Our My Your Mr Mrs Ms Dr "
    "Embassy Consulate Ministry Mission Post Head Deputy Ambassador Consul Director Manager "
    "Secretary General Desk Central Advisor Adviser HQ Team Department Unit Office Staff "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Q1 Q2 Q3 Q4 "
    "De Het Een Op Bij Na Voor Maar En Hij Zij Wij Ze Ambassade Consulaat Ministerie "
    "Der Die Das Ein Eine Und Aber Er Sie Wir Botschaft Konsulat Ministerium "
    "Le La Les Un Une Et Mais Il Elle Nous Ambassade Consulat Ministère "
    "El Los Las Y Pero Él Ella Embajada Consulado Ministerio "
    "В На И Но Он Она Они Мы Посольство Консульство Министерство"
)

# Common given names across the organisation's staff languages (a hint, not a census).
GIVEN_NAMES: frozenset[str] = _words(
    # Dutch / German / Scandinavian
    "Anna Maria Johanna Sanne Lotte Emma Julia Sophie Eva Lisa Anouk Fleur Iris Femke Inge "
    "Jan Pieter Piet Kees Henk Willem Hans Klaus Jürgen Stefan Thomas Daan Bram Sem Lucas "
    "Tim Ruud Joost Bas Mark Sven Lars Erik Karin Ingrid Greta Ursula Heike Petra Monika "
    # English
    "John James Robert Michael William David Richard Joseph Charles Daniel Matthew George "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Emily "
    "Peter Paul Andrew Steven Kevin Brian Edward Helen Laura Rachel Kate Alice Grace Ruth "
    # French / Spanish / Portuguese / Italian
    "Jean Pierre Louis Michel Philippe Nicolas François Marie Camille Claire Isabelle "
    "Nathalie Sophie Julien Antoine José Juan Carlos Luis Javier Miguel Pedro Manuel Ana "
    "Carmen Lucía Sofía Isabel Rosa Pablo Diego Jorge João Paulo Mariana Beatriz Giulia "
    "Giuseppe Marco Luca Francesco Alessandro Chiara Francesca Elena Paola Andrea Matteo "
    # Polish / Czech
    "Piotr Krzysztof Tomasz Paweł Agnieszka Katarzyna Małgorzata Magdalena Joanna Jakub "
    # Turkish / Indonesian / Swahili / others in Latin script
    "Mehmet Mustafa Ahmet Ayşe Fatma Emine Elif Zeynep Budi Siti Dewi Agus Putri Wayan "
    "Juma Amina Baraka Neema Halima Asha Rehema Wanjiru Kamau Otieno "
    # Arabic, Persian, Urdu names in Latin transliteration
    "Mohammed Muhammad Mohamed Ahmed Ahmad Ali Omar Umar Hassan Hussein Hussain Ibrahim "
    "Youssef Yusuf Khalid Fatima Aisha Layla Leila Mariam Maryam Nour Noor Zainab Samira "
    "Reza Mehdi Hamid Parisa Zahra Imran Bilal Ayesha Sana Tariq "
    # Russian / Ukrainian (Cyrillic and Latin)
    "Иван Алексей Сергей Дмитрий Андрей Михаил Николай Владимир Александр Олег Павел "
    "Мария Анна Ольга Елена Наталья Татьяна Ирина Светлана Екатерина Юлия Ксения "
    "Олександр Андрій Микола Оксана Наталія Тетяна Ivan Sergei Dmitri Olga Natalia "
    "Tatiana Irina Svetlana Ekaterina Oleksandr Oksana "
    # Arabic / Persian / Urdu script
    "محمد أحمد احمد علي عمر حسن حسين إبراهيم يوسف خالد فاطمة عائشة ليلى مريم نور زينب "
    "سميرة رضا مهدی حمید زهرا پریسا عمران بلال"
)
