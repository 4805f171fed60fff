# Answers for redis-rb 4.x (Debian ruby-redis): reads a JSON request on stdin
# ({"pools": [{"name", "ring": "distributed"|"hashring", "tag"?, "replicas"?,
# "servers": [{"host", "port", "alias"?, "url"?}]}], "keys": [hex]}) and
# prints {"version", "answers": {pool name: [server index per key]}}.
# Run by tests/oracles/clients.py. A key that is valid UTF-8 is given as a
# UTF-8 string (as an application's text keys are), any other as a binary
# string, the only form in which Ruby matches a pattern against such bytes.
# "distributed" asks Redis::Distributed#node_for (with its tag: option as a
# Regexp when given); "hashring" a bare Redis::HashRing.new(nodes, replicas)
# built from the same clients, which hashes the whole key. No server is
# contacted.
require 'json'
require 'redis'
require 'redis/distributed'
require 'redis/hash_ring'

req = JSON.parse($stdin.read)
keys = req['keys'].map do |h|
  k = [h].pack('H*')
  u = k.dup.force_encoding('UTF-8')
  u.valid_encoding? ? u : k
end
answers = {}
req['pools'].each do |pool|
  configs = pool['servers'].map do |s|
    c = s['url'] ? { url: s['url'] } : { host: s['host'], port: s['port'], db: 0 }
    c[:id] = s['alias'] if s['alias']
    c
  end
  if pool['ring'] == 'hashring'
    nodes = configs.map { |c| Redis.new(c) }
    ring = pool['replicas'] ? Redis::HashRing.new(nodes, pool['replicas']) : Redis::HashRing.new(nodes)
    ids = nodes.map(&:id)
    route = ->(k) { ring.get_node(k).id }
  else
    opts = pool['tag'] ? { tag: Regexp.new(pool['tag']) } : {}
    dist = Redis::Distributed.new(configs, opts)
    ids = dist.nodes.map(&:id)
    route = ->(k) { dist.node_for(k).id }
  end
  raise "duplicate ids in #{pool['name']}" if ids.uniq.size != ids.size
  answers[pool['name']] = keys.map { |k| ids.index(route.call(k)) }
end
puts JSON.generate({ 'version' => Redis::VERSION, 'answers' => answers })
