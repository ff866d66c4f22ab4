"""Survey analytics: answers as numpy arrays kept fresh (arrays), weights by raking (weighting),
statistics (stats), dashboard figures (summary) and free-text topics (topics).

Other modules (exports) use `weights_for(survey)` or `weight_arrays_for(survey)`.
"""

from territoires.surveys.analytics.weighting import weight_arrays_for, weights_for

__all__ = ["weight_arrays_for", "weights_for"]
