"""Residents' written expression: a public page per territory with a question set by the referent
("Qu'est-ce qui fait de vous un acteur de la vie culturelle de votre quartier ?"), answered without
an account; each text gets a receipt code (core/receipts.py) through which its author later reads
what became of it; texts wait for moderation and, when their author agreed, appear in the public
gallery. A text whose author did not agree to publication is read by the territory's team only.

Anonymity: no account, no address stored; the flood guard counts requests per salted hash of the
client address in the cache (the survey's mechanism, surveys/collection.py). A resent form (same
submission key) is stored once.
"""
