# Answers for redis-rb 4.x (Debian ruby-redis): reads a JSON request on stdin
# ({"pools": [{"name", "servers": [{"host", "port", "alias"}]}], "keys": [hex]})
# and prints {"version", "answers": {pool name: [server index per key]}}.
# Run by tests/oracles/clients.py; keys are binary strings.
require 'json'
require 'redis'
require 'redis/distributed'

req = JSON.parse($stdin.read)
keys = req['keys'].map { |h| [h].pack('H*') }
answers = {}
req['pools'].each do |pool|
  configs = pool['servers'].map do |s|
    c = { host: s['host'], port: s['port'], db: 0 }
    c[:id] = s['alias'] if s['alias']
    c
  end
  dist = Redis::Distributed.new(configs)
  ids = dist.nodes.map(&:id)
  raise "duplicate ids in #{pool['name']}" if ids.uniq.size != ids.size
  answers[pool['name']] = keys.map { |k| ids.index(dist.node_for(k).id) }
end
puts JSON.generate({ 'version' => Redis::VERSION, 'answers' => answers })
