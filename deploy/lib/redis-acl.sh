# Sourced by deploy/cluster.sh and deploy/make-secrets.sh: the Redis ACL file of a cluster.
# User "default" is off (a client without credentials gets NOAUTH); user "antinex" may run only the commands the
# persistence plugin, the model catalog, the queue API and the audit stream use, on their own keys and channels.
# redis_acl_file USER SHA256-OF-PASSWORD   (the file holds the hash, never the password)
redis_acl_file() {
  echo "user default off resetchannels -@all"
  echo "user $1 on #$2 resetkeys ~antinex:* ~webapp.* resetchannels &webapp.* &antinex:* -@all" \
    "+@connection +info +role +time" \
    "+get +set +setex +psetex +setnx +getdel +exists +del +unlink +expire +pexpire +expireat +persist +ttl +pttl +incr +incrby" \
    "+getrange +strlen +mget +type" \
    "+hget +hset +hsetnx +hdel +hgetall +hmget +hexists +hlen +hincrby" \
    "+zadd +zrem +zrange +zrevrange +zrangebyscore +zrevrangebyscore +zremrangebyscore +zcard +zcount +zscore" \
    "+sadd +srem +smembers +sismember +scard" \
    "+lpush +rpush +lmove +lrem +llen +lrange +lindex +brpoplpush +blmove" \
    "+publish +subscribe +unsubscribe +psubscribe +punsubscribe" \
    "+xadd +xrange +xrevrange +xtrim +xlen +xread" \
    "+eval +evalsha +script|load +script|exists +multi +exec +discard +watch +unwatch"
}
