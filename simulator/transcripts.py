"""Short call and chat transcripts, in Chinese or English, that carry the client's needs.

A client mentions each active need most of the time, a leaving client talks about moving money
out, everyone adds small talk, and now and then a name or phone number slips in (raw
transcripts hold personal data; they never leave landing/staging).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MENTION_ACTIVE = 0.85
MENTION_IDLE = 0.02  # idle needs come up too ("just asking"): noise for the text signal
MENTION_LEAVING = 0.6
PII_SHARE = 0.08

NEED_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "zh": (
        ("最近想买点股票型基金", "有没有好一点的偏股基金推荐", "想定投一只指数基金"),
        ("想了解一下债券基金", "有没有稳健一点的理财产品", "想买点固收类的产品"),
        ("想了解一下两融", "融资融券怎么开通", "我想开个信用账户"),
        ("期权怎么开户", "想学一下期权交易", "股票期权的权限怎么申请"),
        ("你们的投顾服务怎么收费", "想找个投顾帮我配置资产", "基金投顾签约要什么条件"),
        ("打算从银行转一笔钱进来", "我有一笔钱想转入证券账户", "银证转账的额度是多少"),
    ),
    "en": (
        ("I want to buy an equity fund", "any good stock fund you would recommend", "thinking of an index fund plan"),
        (
            "thinking about bond funds",
            "looking for a low-risk wealth product",
            "what fixed income products do you have",
        ),
        ("how do I open margin financing", "I want to trade on margin", "what is your margin rate"),
        ("how do I get options trading approval", "I want to learn about options", "can I trade index options"),
        (
            "how much is your advisory service",
            "I want an advisor to manage my allocation",
            "tell me about advisory plans",
        ),
        ("I plan to move money in from my bank", "I have some cash to transfer in", "what is the transfer limit"),
    ),
}
LEAVING_PHRASES = {
    "zh": ("我想把资金转出去", "你们的佣金太高了，想销户", "其他券商费率更低"),
    "en": (
        "I want to move my money out",
        "your fees are too high, I may close the account",
        "another broker is cheaper",
    ),
}
FILLER = {
    "zh": ("你好", "请问一下", "好的谢谢", "我再考虑一下", "今天行情怎么样", "app登录有点慢", "明白了", "麻烦你了"),
    "en": (
        "hello",
        "quick question",
        "ok thanks",
        "let me think about it",
        "how is the market today",
        "the app is slow",
        "got it",
    ),
}
PII_TEMPLATES = {"zh": ("我是{name}", "我的手机号是{phone}"), "en": ("this is {name}", "my number is {phone}")}
OPENERS = {"call": {"zh": "客户：", "en": "Client: "}, "chat": {"zh": "[在线客服] ", "en": "[chat] "}}


def transcript(
    rng: np.random.Generator,
    language: str,
    channel: str,
    active_needs: Sequence[bool],
    leaving: bool,
    name: str,
    phone: str,
) -> str:
    """One transcript: filler, the needs (active ones mostly, idle ones rarely), maybe PII.

    Picks draw ``rng.integers(0, len(options))``, the very draw ``rng.choice(options)`` makes,
    without turning the options into an array on every call (this runs once per interaction).
    """
    filler = FILLER[language]
    parts: list[str] = [filler[rng.integers(0, len(filler))]]
    for k, phrases in enumerate(NEED_PHRASES[language]):
        if rng.random() < (MENTION_ACTIVE if active_needs[k] else MENTION_IDLE):
            parts.append(phrases[rng.integers(0, len(phrases))])
    if leaving and rng.random() < MENTION_LEAVING:
        phrases = LEAVING_PHRASES[language]
        parts.append(phrases[rng.integers(0, len(phrases))])
    if rng.random() < PII_SHARE:
        templates = PII_TEMPLATES[language]
        parts.append(templates[rng.integers(0, len(templates))].format(name=name, phone=phone))
    for _ in range(int(rng.integers(0, 3))):
        parts.append(filler[rng.integers(0, len(filler))])
    sep = "，" if language == "zh" else ". "
    if len(parts) > 2:  # a permutation of 0 or 1 items draws nothing from rng
        parts = [parts[0], *[parts[i] for i in (rng.permutation(len(parts) - 1) + 1).tolist()]]
    return OPENERS[channel][language] + sep.join(parts)
