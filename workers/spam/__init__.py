"""Spam learning, in one place: the model the checks score with and everything that makes it.

* ``model`` — run time: what the model reads of a comment (``preprocess``), its n-grams, ``Model``
  (P(spam) in pure Python) and the shipped model file. Imported by the classifier check; needs no
  numpy, scipy or scikit-learn.
* ``training`` — the corpus, source-balanced weights, fit, Platt calibration, export, ``retrain_with``.
  Needs the ``train`` extra (``pip install 'commentq[train]'``); raises ``TrainingUnavailable`` without it.
* ``learning`` — retraining from moderators' decisions (the ``commentq-training`` queue's task).
* ``evaluate``, ``loso`` — ``commentq spam evaluate`` and ``commentq spam loso``.
* ``data/`` — the shipped model file and its training corpus (third-party data, own licences).
"""
