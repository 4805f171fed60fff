# Answers for Dalli (Debian ruby-dalli): reads a JSON request on stdin
# ({"pools": [{"name", "servers": [string]}], "keys": [hex]}) and prints
# {"version", "answers": {pool name: [server index per key]}}. Each server
# string is parsed by Dalli itself (Dalli::Protocol::Binary.new), and each
# key asked of Dalli::Ring#server_for_key with every server taken as up (no
# connection). Keys that are valid UTF-8 are given as UTF-8 strings, others
# as binary strings. Run by tests/oracles/clients.py.
require 'json'
require 'dalli'

req = JSON.parse($stdin.read)
keys = req['keys'].map do |h|
  k = [h].pack('H*')
  u = k.dup.force_encoding('UTF-8')
  u.valid_encoding? ? u : k
end
answers = {}
req['pools'].each do |pool|
  servers = pool['servers'].map do |s|
    srv = Dalli::Protocol::Binary.new(s)
    srv.define_singleton_method(:alive?) { true }
    srv
  end
  ring = Dalli::Ring.new(servers, threadsafe: false)
  answers[pool['name']] = keys.map { |k| servers.index { |s| s.equal?(ring.server_for_key(k)) } }
end
puts JSON.generate({ 'version' => Dalli::VERSION, 'answers' => answers })
