"""Lexicons the ethics guards match, in English and Chinese, as plain data.

Latin terms match on word boundaries (a trailing ``*`` allows any ending, as in
``kiss*``); terms with Chinese characters match as substrings. ``EXCLUSIONS``
lists ordinary phrases that contain a term and must not trigger it. Patterns
(``*_PATTERNS``) run on casefolded text. Long term lists are written as one
comma-separated string read by ``term_list``.
"""

from __future__ import annotations

import re

from agents.textmatch import term_list

# Real public figures, full names only: a shared first name ("Elon", a baker) is fine.
REAL_PEOPLE: tuple[str, ...] = term_list(
    "Elon Musk, Taylor Swift, Donald Trump, Joe Biden, Barack Obama, Xi Jinping, Jack Ma, Jackie Chan, Lionel Messi, "
    "Cristiano Ronaldo, Beyoncé, Keanu Reeves, Tom Cruise, Kim Kardashian, Vladimir Putin, Mark Zuckerberg, "
    "Bill Gates, Jeff Bezos, Oprah Winfrey, Lady Gaga, Rihanna, Leonardo DiCaprio, Scarlett Johansson, Angelina Jolie, "
    "Yao Ming, Jay Chou, Liu Yifei, Yang Mi, Fan Bingbing, Zhao Liying, Dilraba Dilmurat, Wang Yibo, Xiao Zhan, "
    "Andy Lau, Tony Leung, "
    "马云, 成龙, 刘亦菲, 杨幂, 周杰伦, 习近平, 马斯克, 特朗普, 拜登, 马化腾, 刘德华, 范冰冰, 赵丽颖, 迪丽热巴, 王一博, "
    "肖战, 姚明, 梁朝伟, 雷军, 董明珠, 泰勒·斯威夫特, 梅西, 普京"
)
LIKENESS_CUES: tuple[str, ...] = term_list(
    "face, voice, looks like, look like, lookalike, look-alike, likeness, deepfake, clone*, impersonat*, imitat*, "
    "sounds like, sound like, mimic*, "
    "脸, 声音, 换脸, 模仿, 长得像, 克隆, 嗓音, 相貌, 样貌, 扮演, 冒充"
)
DEEPFAKE: tuple[str, ...] = term_list(
    "deepfake, deep fake, face swap, face-swap, faceswap, voice clone, voice cloning, clone her voice, "
    "clone his voice, clone their voice, "
    "换脸, AI换脸, 声音克隆, 克隆声音, 克隆她的声音, 克隆他的声音, 深度伪造, 语音克隆"
)
ROMANCE_VIOLENCE: tuple[str, ...] = term_list(
    "kiss*, date, dates, dating, in love, falls in love, fall in love, seduce*, seduction, in bed with, share a bed, "
    "shares a bed, sleep with, sleeps with, slept with, lover, romance, romantic, make out, making out, flirt*, "
    "wedding night, "
    "beat, beats, beaten, beating, stab*, kill, kills, killed, killing, murder*, strangle*, slap*, torture*, rape*, "
    "亲吻, 接吻, 亲嘴, 约会, 恋爱, 表白, 上床, 勾引, 暧昧, 私奔, 献身, 情人, 嫁给, 洞房, "
    "殴打, 暴打, 杀死, 杀人, 杀了, 刺杀, 谋杀, 打死, 掐死, 砍死, 捅死, 捅了, 虐待, 强奸, 扇耳光, 毒打"
)
MINOR_MARKERS: tuple[str, ...] = term_list(
    "underage, under-age, schoolgirl, schoolboy, middle schooler, high schooler, high school student, "
    "middle school student, high school freshman, high school sophomore, sixth grader, seventh grader, "
    "eighth grader, ninth grader, tenth grader, eleventh grader, "
    "未成年, 初中生, 小学生, 高中生, 女童, 男童, 初中女生, 初中男生, 高中女生, 高中男生, 小学女生, 小学男生"
)
ROMANTIC_RELATIONS: tuple[str, ...] = term_list(
    "lover, girlfriend, boyfriend, fiancée, fiance, wife, husband, crush, love interest, spouse, "
    "恋人, 女友, 男友, 女朋友, 男朋友, 未婚妻, 未婚夫, 妻子, 丈夫, 老婆, 老公, 情人"
)
CHILD_BAD_ROLES: tuple[str, ...] = term_list(
    "schemer, scheming, ceo, bully, bullies, boss, tycoon, mastermind, chairman, "
    "总裁, 霸凌, 心机, 老板, 董事长, 总经理, 霸总, 恶霸"
)
SEXUAL: tuple[str, ...] = term_list(
    "sex scene, sexual intercourse, have sex, having sex, has sex, naked, nude, nudity, genital*, orgasm*, porn*, "
    "erotic*, masturbat*, explicit sex, striptease, "
    "做爱, 性交, 裸体, 全裸, 色情, 性爱, 床戏, 赤身裸体, 裸露, 强奸, 自慰, 情色"
)
HATE: tuple[str, ...] = term_list(
    "are vermin, like vermin, those vermin, subhuman, sub-human, untermensch, should be exterminated, "
    "must be exterminated, deserve to be exterminated, inferior race, exterminate them all, gas them, "
    "劣等民族, 劣等人种, 低等人, 低等民族, 支那人, 应该被灭绝, 都该被消灭, 劣等种族"
)
SELF_HARM_METHOD: tuple[str, ...] = term_list(
    "how to kill myself, how to kill yourself, how to commit suicide, how to end my life, ways to kill yourself, "
    "ways to kill myself, best way to die, how many pills, how to slit, suicide method*, "
    "割腕方法, 自杀方法, 自杀的方法, 怎么自杀, 如何自杀, 怎样自杀, 上吊方法, 吃多少安眠药, 怎么死最"
)
SELF_HARM_DEPICTION: tuple[str, ...] = term_list(
    "suicide, suicidal, kill myself, kill herself, kill himself, killed herself, killed himself, end my life, "
    "take my own life, took her own life, took his own life, self-harm, slit her wrists, slit his wrists, "
    "slit my wrists, overdose*, "
    "自杀, 轻生, 寻死, 割腕, 上吊, 跳楼, 自残, 不想活了, 服毒自尽, 自尽"
)
COPYRIGHTED: tuple[str, ...] = term_list(
    "Ultraman, Spider-Man, Mickey Mouse, Minnie Mouse, Donald Duck, Pikachu, Pokémon, Harry Potter, Hogwarts, "
    "Queen Elsa, Princess Elsa, Elsa of Arendelle, Arendelle, Iron Man, Batman, Superman, Doraemon, Hello Kitty, "
    "Super Mario, Peppa Pig, SpongeBob, Naruto, Totoro, Shrek, Darth Vader, Captain America, Optimus Prime, "
    "Incredible Hulk, Frozen's Elsa, Sailor Moon, Detective Conan, "
    "奥特曼, 蜘蛛侠, 米老鼠, 米奇老鼠, 唐老鸭, 皮卡丘, 宝可梦, 哈利波特, 哈利·波特, 霍格沃茨, 艾莎公主, 冰雪奇缘, "
    "钢铁侠, 哆啦A梦, 机器猫, 蝙蝠侠, 小猪佩奇, 海绵宝宝, 火影忍者, 漩涡鸣人, 龙猫, 变形金刚, 擎天柱, 喜羊羊, 灰太狼, "
    "熊出没, 光头强, 美国队长, 绿巨人, 名侦探柯南"
)
LIVING_ARTISTS: tuple[str, ...] = term_list(
    "Hayao Miyazaki, Miyazaki, Studio Ghibli, Ghibli, Greg Rutkowski, Makoto Shinkai, Shinkai, Yayoi Kusama, "
    "David Hockney, Banksy, Tim Burton, Wes Anderson, Beeple, Takashi Murakami, Wong Kar-wai, Zhang Yimou, "
    "Hirohiko Araki, Eiichiro Oda, Loish, Sakimichan, James Jean, "
    "宫崎骏, 吉卜力, 新海诚, 草间弥生, 几米, 蔡国强, 王家卫, 张艺谋, 荒木飞吕彦, 尾田荣一郎"
)
STYLE_CUES: tuple[str, ...] = ("style", "styled", "aesthetic", "inspired by", "à la", "imitat*")
# Chinese style cues must follow the artist's name closely: "宫崎骏风", "新海诚画风".
ZH_STYLE_AFTER = re.compile(r"^.{0,3}?(?:风格|画风|风|式|笔触|质感)")
# Long-dead masters whose style is public domain; "in the style of" them is fine.
PUBLIC_DOMAIN_ARTISTS: tuple[str, ...] = term_list(
    "van gogh, vincent van gogh, monet, claude monet, rembrandt, vermeer, hokusai, da vinci, leonardo da vinci, "
    "leonardo, michelangelo, picasso, klimt, turner, caravaggio, botticelli"
)
BOSS_TITLE: tuple[str, ...] = ("霸总", "霸道总裁", "domineering CEO", "overbearing CEO", "bossy CEO")
SUBSERVIENT_JOBS: tuple[str, ...] = term_list(
    "secretary, housewife, maid, housekeeper, nanny, assistant, 秘书, 家庭主妇, 保姆, 女佣, 助理"
)
POWER_JOBS: tuple[str, ...] = term_list(
    "ceo, boss, president, chairman, tycoon, director, owner, heir, executive, billionaire, "
    "总裁, 老板, 董事长, 总经理, 少爷, 继承人, 霸总, 富豪"
)
CINDERELLA: tuple[str, ...] = ("cinderella", "灰姑娘", "麻雀变凤凰")
RICH_RESCUER: tuple[str, ...] = ("ceo", "billionaire", "tycoon", "总裁", "霸总", "豪门", "富豪", "少爷")
MONEY_WORSHIP: tuple[str, ...] = term_list(
    "marry rich, marry into money, marry into a rich family, marry a billionaire, gold digger, "
    "嫁入豪门, 拜金, 傍大款, 攀高枝, 麻雀变凤凰, 嫁给有钱人"
)
CLICKBAIT_TITLE: tuple[str, ...] = term_list(
    "shocking, shocked, you won't believe, you will not believe, jaw-dropping, must watch, must-see, gone viral, "
    "insane, omg, "
    "震惊, 惊呆, 跪求, 千亿, 万亿, 疯传, 炸裂, 曝光, 吓尿, 不看后悔, 屌丝, 色诱, 骚"
)
DISTORTED_CLASSICS: tuple[str, ...] = term_list(
    "魔改, 恶搞经典, 恶搞名著, 颠覆名著, twisted classic, ai-twisted classic, parody of a classic"
)
EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "成龙": ("望子成龙", "成龙成凤", "成龙配套"),
    "跳楼": ("跳楼价", "跳楼甩卖", "跳楼大甩卖"),
    "naked": ("naked eye", "naked truth", "naked ambition"),
    "date": term_list(
        "due date, up to date, up-to-date, out of date, to date, the date, what date, a date on, expiry date, "
        "date of birth"
    ),
    "dates": ("dates back",),
    "beat": ("heart beat", "heartbeat", "beat the", "beat them", "beat us", "beat you", "drum beat", "beat it"),
    "beats": ("heart beats", "heartbeats", "beats the"),
    "kill": ("kill time", "kill the lights", "kill the engine"),
    "杀了": ("杀了个回马枪",),
    "情人": ("情人节",),
    "裸露": ("裸露的岩石", "裸露的树根"),
}

MINOR_AGE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![0-9])(1[0-7]|[1-9])[\s-]*(?:years?[\s-]*old|-year-old|yo)(?![a-z])"),
    re.compile(r"(?<![a-z])aged?\s+(1[0-7]|[1-9])(?![0-9])"),
    re.compile(
        r"(?<![a-z])(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
        r"sixteen|seventeen)[\s-]*years?[\s-]*old(?![a-z])"
    ),
    # "she is 16": a pronoun's age, unless a unit follows ("he is 5 minutes away").
    re.compile(
        r"(?<![a-z])(?:she|he|they)\s*(?:is|was|['’]s|are|were)\s+(1[0-7]|[1-9])(?![0-9]|[.:,][0-9])"
        r"(?!\s*(?:%|percent|minutes?|mins?|hours?|days?|weeks?|months?|seconds?|feet|foot|ft|inches|cm|m|km|kg|"
        r"kilos?|pounds?|lbs?|miles?|points?|times|o['’]?clock|am|pm|of|out|in line|steps?|floors?|doors?)(?![a-z]))"
    ),
    re.compile(r"(?<![0-9])(1[0-7]|[1-9])\s*岁"),
    re.compile(r"(?<![一二三四五六七八九十百两])(十[一二三四五六七]?|[一二三四五六七八九两])\s*岁"),
)
INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|every|your|the|my|these|those|previous|"
        r"prior|above|earlier|safety|content|ethics)\s+)*(?:rules?|instructions?|guidelines?|policies|policy|"
        r"prompts?|guardrails?|filters?|checks?)"
    ),
    re.compile(r"(?:just|automatically|always|simply)\s+approve(?![a-z])"),
    re.compile(r"approve\s+(?:this|it)\s+(?:without|regardless|no matter)"),
    re.compile(r"approve\s+this\s+(?:script|premise|story|episode|content|request|submission|text)"),
    re.compile(r"mark\s+(?:this|it)\s+(?:as\s+)?(?:approved|safe)"),
    re.compile(
        r"you\s+are\s+now\s+(?:an?\s+|in\s+|the\s+)?(?:dan|unrestricted|uncensored|jailbroken|developer|ai|"
        r"assistant|model|free\s+of|no\s+longer)"
    ),
    re.compile(r"system\s+prompt|developer\s+mode|jailbreak"),
    re.compile(
        r"(?:忽略|无视|忘记|跳过)(?:之前的?|以上的?|前面的?|所有的?|你的|全部)*(?:指令|规则|要求|提示|限制|审核)"
    ),
    re.compile(r"直接通过|直接批准|必须通过|审核通过即可|你现在是(?:一个)?(?:没有限制|无限制|不受限)|系统提示词?"),
)
STYLE_OF_PATTERN = re.compile(r"in\s+the\s+style\s+of\s+((?:[A-Z][\w'’.-]*\s*){1,3})")
