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


def word_set(text: str) -> frozenset[str]:
    """The words of ``text`` (split at spaces), case-folded."""
    return _words(text)


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
    "Political Economic Consular Section Affairs Human Resources Finance Security Public Press "
    "Cultural Trade Legal Protocol Administration Chancery Residence Building Room Floor "
    "English Dutch French German Spanish Arabic Russian Chinese Japanese Portuguese Italian "
    "Turkish Polish Ukrainian Persian Farsi Urdu Hindi Bengali Swahili Amharic Korean "
    "Instagram Twitter Telegram TikTok Facebook WhatsApp Signal LinkedIn WeChat Google "
    "Microsoft Teams Zoom Skype Outlook Gmail Link Contact Kontakt Adresse Address Notes "
    "Email E-mail Mail Phone Tel Telefon Zeuge Firmado Melding Complaint Subject Re Fw "
    "Mevr Mevrouw Dhr Meneer Frau Herr Herrn Mme Mlle Monsieur Madame Sr Sra Señor Señora "
    "Prof Sir Miss Lady Lord Don Doña Pan Pani Господин Госпожа "
    "Ihr Ihre Ihrer Ihrem Ihren Ihres Ihnen Usted Ustedes Vous Votre Vos U Uw Вы Ваш Ваша Ваши "
    "Lei Suo Sua Sue Suoi Loro Voi Secretary-General İngilizce Felemenkçe Türkçe Arapça "
    "Segretario Generale Paese Anda Katibu Mkuu Kiholanzi Kiingereza Kiarabu Kifaransa "
    "Sekretaris Jenderal Belanda Inggris Arab Prancis "
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


# Titles before a name: the word after one is proposed ("Mr Jansen", "Frau Schneider", "г-н
# Сидоров", "السيد الشمري"). Single letters ("M." in French) need their dot.
TITLES: frozenset[str] = _words(
    "Mr Mrs Ms Miss Mx Dr Prof Sir Madam Lady Lord Mevr Mevrouw Mw Mej Juffrouw Meneer Mnr Dhr "
    "Heer Mijnheer Frau Herr Herrn Fräulein M Mme Mlle Monsieur Madame Mademoiselle Sr Sra Srta "
    "Señor Señora Señorita Don Doña Dña Sig Sigra Signor Signora Signorina Pan Pani Pana Panią "
    "г-н г-жа гн господин госпожа господина госпожи товарищ "
    "السيد السيدة الدكتور الدكتورة الأستاذ الأستاذة الاستاذ الاستاذة الشيخ المهندس المهندسة الحاج"
)
# Titles after which a name in lower case is still proposed ("mr smith").
LOWER_CASE_TITLES: frozenset[str] = _words("Mr Mrs Ms Dr Mevr Dhr Frau Herr г-н г-жа")

# Function words and common verbs: not a surname after a lower-case given name or a title.
STOPWORDS: frozenset[str] = _words(
    # en
    "the a an and or but to of in on at for with about from by as is was were are be been has "
    "had have did do does said says told asked came went left called wrote saw met it he she "
    "they we you i his her him their our my your this that these those there here then when who "
    "which what yesterday today tomorrow again also not no yes very too all some any more most "
    "much many other such only just even still already ever never always often now later before "
    "after during while because if so than into over under up down out off who whom will would "
    "can could should may might must shall "
    # nl
    "de het een en of maar te van op aan voor met over uit door als is was waren zijn heeft had "
    "hebben zei zegt kwam ging belde vertelde die dat deze dit er hier daar toen dan wie wat "
    "gisteren vandaag morgen weer ook niet geen ja zeer heel al nog hij zij ze wij"
    # de
    " der die das ein eine und oder aber zu von auf an für mit über aus durch als ist war waren "
    "sind hat hatte haben sagte gesagt kam ging rief den dem des es er sie wir ihr gestern heute "
    "wieder auch nicht kein ja sehr schon noch "
    # fr
    "le la les un une et ou mais à du des en dans sur pour avec par comme est était sont a ont "
    "avait dit vient venu hier aujourd'hui demain encore aussi ne pas oui très déjà qui que il "
    "elle "
    # es
    "el los las y o pero del con por para como es era son ha había dijo vino ayer hoy mañana "
    "otra vez también sí muy ya "
    # ru
    "и или но в на с о по для от из к у за как это был была были есть сказал сказала пришёл "
    "вчера сегодня завтра опять тоже не нет да очень уже ещё что кто он она они мы"
)
ARABIC_STOPWORDS: frozenset[str] = _words(
    "إن إنه انه أن أنه ان قال قالت في من على الى إلى عن مع هو هي لا لم لن كان كانت الذي التي "
    "هذا هذه ذلك تلك ثم أو او و يا قد كل بعد قبل عند"
)

# Words in capitals that are not surnames (acronyms, shouted words).
CAPITALS_NOT_NAMES: frozenset[str] = _words(
    "URGENT IMPORTANT NOTE TODO ASAP FYI NOT YES STOP ALL NEW FINAL DRAFT CONFIDENTIAL "
    "WARNING ATTENTION UPDATE NATO UNDP UNHCR UNICEF UNESCO WHO WFP IOM OSCE OECD IMF ILO ICC "
    "ICJ ICT NGO CEO CFO COO PDF USB GDPR AVG COVID SMS PIN VIP FAQ USA UAE KSA EEAS MFA "
    "MOFA RSO IBAN BSN DNI NIE SSN EUR USD GBP CET UTC GMT DNA HIV AIDS BBC CNN API URL WIFI "
    "LGBT LGBTQ LGBTQI PTSD MOU SOP TOR AND THE FOR ONG LSM НПО ООН НАТО США СССР ФИО МИД"
)

# Given names that are also common words: only proposed when capitalised and not alone at the
# start of a sentence.
AMBIGUOUS_GIVEN_NAMES: frozenset[str] = _words(
    "mark grace rosa iris claire pierre bas sem marco sana juma ruth will may june rose hope "
    "faith joy ivy lily dawn eve april august bill jack rob nick sue putri dewi budi nour noor "
    "elif amina baraka neema jan ana tim"
)

# German-like text capitalises every noun: two of these and a lone capitalised word inside a
# sentence is not taken for a surname.
GERMAN_CUES: frozenset[str] = _words(
    "der die das und ist nicht ein eine einen einem einer mit von dem des sich auf für wurde "
    "haben sie ich wir ihr bei nach über zum zur auch aber oder wenn dass sehr sagte sei hatte "
    "sind wird kein keine noch schon"
)

# Chinese surnames (the most common hundred or so).
CHINESE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "沈姚卢姜崔钟谭陆汪范金廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
# Common words that begin with a surname's character: not a name without an honorific.
CHINESE_NOT_NAMES: frozenset[str] = _words(
    "程序 程度 高兴 马上 周末 周围 方法 方面 方式 方便 金钱 黄金 王国 张开 任何 万一 于是 江湖 "
    "白天 明白 龙头 史上 林业 朱红 孙子 许多 许可 何时 何况 胡说 郭外 罗列 郑重 梁上 谢谢 宋体 "
    "唐突 韩国 冯河 邓小 曹操 彭湃 曾经 肖像 田地 董事 袁大 潘多 蒋介 蔡国 余下 杜绝 叶子 苏醒 "
    "魏国 吕氏 丁点 沈默 姚明 卢布 姜汤 崔嵬 钟表 钟头 谭嗣 陆地 陆续 汪洋 范围 金属 廖廖 贾宝 "
    "夏天 夏季 韦伯 白色 邹城 孟子 熊猫 秦朝 邱陵 江河 尹氏 薛定 段落 雷电 侯爵 龙凤 史料 陶瓷 "
    "黎明 贺卡 顾客 顾问 毛病 毛巾 郝氏 龚自 邵氏 万分 钱包 严重 严格 武器 戴上 莫名 孔子 汤匙 "
    "高级 高度 马路 杨树 陈述 陈旧 刘海 李子 赵国 吴语 徐徐 孙女 林林 何必 罗马"
)
CHINESE_HONORIFICS: tuple[str, ...] = (
    "先生", "女士", "小姐", "太太", "老师", "经理", "主任", "医生", "大夫", "同学", "阿姨",
    "叔叔", "局长", "处长", "科长", "部长", "大使", "参赞", "秘书", "律师", "教授", "师傅", "总",
    "姐", "哥",
)  # fmt: skip
# Around a Chinese name written without an honorific: what may come before it, and after it.
CHINESE_NAME_BEFORE = "说和跟与同对给叫是找问让被把向，。、：:“「"
CHINESE_NAME_AFTER: tuple[str, ...] = (
    "说", "骂", "打", "告诉", "经常", "的", "认为", "觉得", "要求", "不", "没", "也", "又",
    "很", "在", "是", "，", "。", "和", "跟", "对",
)  # fmt: skip
JAPANESE_HONORIFICS: tuple[str, ...] = (
    "さん", "様", "さま", "氏", "君", "くん", "ちゃん", "先輩", "部長", "課長", "社長",
)  # fmt: skip
KOREAN_HONORIFICS: tuple[str, ...] = ("씨",)
# After a listed CJK surname, these make it the person ("王先生", "田中さん", "김 씨"); before it,
# "老王", "小王".
CJK_HONORIFICS_AFTER: tuple[str, ...] = (
    *CHINESE_HONORIFICS, *JAPANESE_HONORIFICS, "先生", "씨", "님",
)  # fmt: skip
CJK_HONORIFICS_BEFORE: frozenset[str] = frozenset("老小阿")
