// Answers for go-redis v5 (Debian golang-gopkg-redis.v5-dev) Ring: reads a
// JSON request on stdin ({"pools": [{"name", "shards": [[name, addr]]}],
// "keys": [hex]}) and prints {"answers": {pool name: [shard index per
// key]}}. Built and run by tests/oracles/clients.py, with
// go_redis_v5_shim.go laid into the package (it exposes the Ring's shard
// lookup). No server is contacted: the heartbeat that would mark shards
// down is set to an hour.
package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"time"

	redis "gopkg.in/redis.v5"
)

type pool struct {
	Name   string      `json:"name"`
	Shards [][2]string `json:"shards"`
}

func main() {
	var req struct {
		Pools []pool   `json:"pools"`
		Keys  []string `json:"keys"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		panic(err)
	}
	answers := map[string][]int{}
	for _, p := range req.Pools {
		addrs := map[string]string{}
		index := map[string]int{}
		for i, s := range p.Shards {
			addrs[s[0]] = s[1]
			index[s[1]] = i
		}
		ring := redis.NewRing(&redis.RingOptions{Addrs: addrs, HeartbeatFrequency: time.Hour})
		out := make([]int, len(req.Keys))
		for i, h := range req.Keys {
			k, err := hex.DecodeString(h)
			if err != nil {
				panic(err)
			}
			addr, err := ring.OracleShard(string(k))
			if err != nil {
				panic(err)
			}
			out[i] = index[addr]
		}
		ring.Close()
		answers[p.Name] = out
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"answers": answers}); err != nil {
		panic(err)
	}
}
