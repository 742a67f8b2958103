"""The shared cache: Redis, where an unreachable Redis is a cache miss rather than a server error."""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, except that while Redis is unreachable reads miss and writes are dropped.

    The cache holds allauth's rate limits and nothing else. With Django's own backend a stopped Redis
    turns every log-in, sign-up and password reset into a server error, so authors could not log in
    to submit; with this one they can, without allauth's rate limits until Redis is back (failed
    log-ins are still counted and locked out by django-axes, in the database).
    """

    def _forgiving(self, operation, fallback, *args):
        try:
            return getattr(super(), operation)(*args)
        except (RedisConnectionError, RedisTimeoutError) as error:
            logger.warning("Cache %s skipped: Redis is unreachable (%s).", operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._forgiving("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._forgiving("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._forgiving("has_key", False, key, version)

    # Writes report success: with nothing stored, nobody else holds the key (allauth's lock is an add).
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("add", True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._forgiving("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._forgiving("delete_many", None, keys, version)

    def clear(self):
        return self._forgiving("clear", False)
