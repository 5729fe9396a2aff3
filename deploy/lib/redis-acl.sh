# Sourced by deploy/cluster.sh and deploy/make-secrets.sh: the Redis ACL file of a cluster.
# User "antinex" may run only the commands the persistence plugin, the model catalog, the queue API, the audit
# stream and `antinex-node sign-journal` (SCAN) use, on their own keys and channels. SCAN is the one exception to "their
# own keys": Redis does not filter it by key pattern, so the user can list (not read) every key name in the database.
# User "default" is off and has no password: nobody can log in as it (a
# client without credentials gets NOAUTH). It still holds the same rules because Redis replays the append-only file
# as "default" and re-checks a transaction's commands at EXEC: without them every MULTI/EXEC and script write (journal
# events, snapshot commits, the catalog) would be dropped when Redis restarts, and the cluster would come back empty.
# redis_acl_file USER SHA256-OF-PASSWORD   (the file holds the hash, never the password)
redis_acl_rules() {
  echo "resetkeys ~antinex:* ~webapp.* resetchannels &webapp.* &antinex:* -@all" \
    "+@connection +info +role +time" \
    "+get +set +setex +psetex +setnx +getdel +exists +del +unlink +expire +pexpire +expireat +persist +ttl +pttl +incr +incrby" \
    "+scan" \
    "+getrange +strlen +mget +type" \
    "+hget +hset +hsetnx +hdel +hgetall +hmget +hexists +hlen +hincrby +hscan" \
    "+zadd +zrem +zrange +zrevrange +zrangebyscore +zrevrangebyscore +zremrangebyscore +zcard +zcount +zscore" \
    "+sadd +srem +smembers +sismember +scard +sscan" \
    "+lpush +rpush +lmove +lrem +llen +lrange +lindex +ltrim +brpoplpush +blmove" \
    "+publish +subscribe +unsubscribe +psubscribe +punsubscribe" \
    "+xadd +xrange +xrevrange +xlen +xread" \
    "+eval +evalsha +script|load +script|exists +multi +exec +discard +watch +unwatch" \
    "+memory|usage"
}

redis_acl_file() {
  echo "user default off resetpass $(redis_acl_rules)"
  echo "user $1 on #$2 $(redis_acl_rules)"
}
