"""Fictional conversations for training, screenshots and benchmarks (deterministic per seed).

Every person, place and event here is invented. Notes are written in several languages so
search and display are exercised in Latin, Cyrillic, Arabic and CJK scripts.
"""

from __future__ import annotations

import datetime as dt
import random

from advisor_desktop.notebook.models import ContactChannel, ConversationRecord, Status, VisitorRole
from advisor_desktop.protocol.profile import OrgProfile

# (language, category, note, agreed) — fictional situations, no real people.
_TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    (
        "en",
        "bullying",
        "Visitor describes repeated belittling remarks in team meetings over several"
        " months; colleagues laugh along. Feels isolated and sleeps badly.",
        "Keep a short diary of incidents; think about a talk with the manager.",
    ),
    (
        "en",
        "sexual-harassment",
        "Unwanted comments about appearance and a hand on the shoulder at"
        " the reception desk after hours. Visitor is unsure whether it is 'serious enough'.",
        "Explained the options; visitor will consider the central desk.",
    ),
    (
        "nl",
        "discrimination",
        "Bezoeker ervaart dat lokaal aangenomen collega's structureel niet"
        " worden uitgenodigd voor overleg. Voelt zich tweederangs.",
        "Handelingsopties besproken; bezoeker wil eerst een informeel gesprek.",
    ),
    (
        "fr",
        "abuse-of-power",
        "Le visiteur rapporte des menaces voilées concernant le renouvellement"
        " de son contrat s'il refuse des heures supplémentaires non payées.",
        "Informé du point de signalement central; nouveau rendez-vous dans deux semaines.",
    ),
    (
        "es",
        "aggression",
        "El visitante relata gritos y un portazo durante una discusión sobre"
        " turnos. Tiene miedo de volver a la oficina.",
        "Hablamos de seguridad y de la mediación; seguimiento la próxima semana.",
    ),
    (
        "ru",
        "bullying",
        "Посетитель рассказывает о постоянных насмешках и исключении из рабочих"
        " чатов. Чувствует давление и усталость.",
        "Обсудили варианты действий; посетитель подумает о разговоре с руководителем.",
    ),
    (
        "ar",
        "discrimination",
        "يصف الزائر تعليقات متكررة عن أصله في الاجتماعات ويشعر بالإقصاء من المهام المهمة.",
        "ناقشنا خيارات العمل؛ سيفكر الزائر في التواصل مع مكتب الإبلاغ.",
    ),
    (
        "zh-Hans",
        "fraud",
        "来访者注意到报销单据多次被修改，担心有人虚报费用。不确定该向谁报告。",
        "说明了报告渠道；来访者会考虑联系中央报告与咨询处。",
    ),
    (
        "en",
        "conflict-of-interest",
        "A local supplier seems to be favoured; the visitor believes a"
        " relative of a staff member owns it. Visitor worries about reprisals.",
        "Explained that reporting never harms a career; visitor will think it over.",
    ),
    (
        "pt",
        "misuse-of-information",
        "O visitante viu dados pessoais de requerentes de visto"
        " partilhados num grupo privado de mensagens.",
        "Explicámos o ponto central de denúncia; acompanhamento em breve.",
    ),
    (
        "de",
        "bullying",
        "Die Besucherin berichtet von abwertenden E-Mails und ständiger Kritik vor"
        " anderen. Sie überlegt zu kündigen.",
        "Handlungsoptionen besprochen; Gespräch mit der Führungskraft vorbereiten.",
    ),
    (
        "en",
        "other",
        "Visitor wanted to know how confidential a conversation with the advisor is"
        " and whether the manager would be told.",
        "Explained confidentiality; no action for now.",
    ),
)


def demo_records(
    profile: OrgProfile, count: int, seed: int = 1, today: dt.date | None = None
) -> list[ConversationRecord]:
    """``count`` fictional records spread over the past two years (same seed, same records)."""
    rng = random.Random(seed)  # noqa: S311 - fictional data, not security
    today = today or dt.date(2026, 11, 1)
    categories = {c.id for c in profile.categories}
    options = [o.id for o in profile.options]
    records: list[ConversationRecord] = []
    for i in range(count):
        lang, category, note, agreed = _TEMPLATES[rng.randrange(len(_TEMPLATES))]
        conv_date = today - dt.timedelta(days=rng.randrange(730))
        closed = rng.random() < 0.55
        follow_up = None
        if not closed and rng.random() < 0.7:
            follow_up = conv_date + dt.timedelta(days=rng.choice((7, 14, 21, 30, 60)))
        extra = rng.sample(sorted(categories - {category}), k=rng.choice((0, 0, 1)))
        records.append(
            ConversationRecord(
                conv_date=conv_date,
                channel=rng.choice(list(ContactChannel)),
                role=rng.choice(list(VisitorRole)),
                categories=(category, *extra) if category in categories else tuple(extra),
                options=tuple(rng.sample(options, k=rng.choice((1, 2, 3)))),
                agreed=agreed,
                follow_up=follow_up,
                notes=f"{note} (#{i + 1})",
                status=Status.CLOSED if closed else Status.OPEN,
                language=lang,
            )
        )
    return records
