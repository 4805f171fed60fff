// Reads keys back through go-redis v5's own client-side sharding (Debian
// golang-gopkg-redis.v5-dev, redis.Ring) from real servers. Reads a JSON
// request on stdin ({"servers": [{"host", "port", "alias"}], "keys": [hex]})
// and prints {"shards_up", "values": [hex or null per key]}. Built with the
// Debian package (GOPATH, no modules) and run by tests/sharded/cross.py.
//
// The Ring's shard names are the aliases, its addresses host:port, as
// keyroute's pool is given them (`127.0.0.1:7000 shard0`). Every shard must
// answer PING through the Ring before any key is read: a shard the Ring
// took as down would move its keys elsewhere.
//
// Each key is read with EVAL "return redis.call('GET', KEYS[1])" 1 <key>
// through Ring.Process, which picks the shard by the key. A plain Ring.Get
// cannot be used: v5 cannot parse the COMMAND reply of Redis 6 and later,
// and then routes every command but EVAL/EVALSHA by an empty key
// (docs/client-side-sharding.md, go-redis v5).
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"

	redis "gopkg.in/redis.v5"
)

const script = "return redis.call('GET', KEYS[1])"

func main() {
	var req struct {
		Servers []struct {
			Host  string `json:"host"`
			Port  int    `json:"port"`
			Alias string `json:"alias"`
		} `json:"servers"`
		Keys []string `json:"keys"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	addrs := map[string]string{}
	for _, s := range req.Servers {
		addrs[s.Alias] = fmt.Sprintf("%s:%d", s.Host, s.Port)
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: addrs})
	defer ring.Close()
	var up int32
	err := ring.ForEachShard(func(c *redis.Client) error {
		if err := c.Ping().Err(); err != nil {
			return err
		}
		atomic.AddInt32(&up, 1)
		return nil
	})
	if err != nil {
		fail(err)
	}
	values := make([]interface{}, len(req.Keys))
	for i, h := range req.Keys {
		k, err := hex.DecodeString(h)
		if err != nil {
			fail(err)
		}
		v, err := ring.Eval(script, []string{string(k)}).Result()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			fail(err)
		}
		s, ok := v.(string)
		if !ok {
			fail(fmt.Errorf("GET replied %T", v))
		}
		values[i] = hex.EncodeToString([]byte(s))
	}
	out := map[string]interface{}{"shards_up": up, "values": values}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "read_go_redis_v5:", err)
	os.Exit(1)
}
