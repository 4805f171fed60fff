<?php
// Answers for phpredis RedisArray (Debian php-redis): reads a JSON request
// on stdin ({"pools": [{"name", "hosts": [string], "consistent"?: bool,
// "algorithm"?: string}], "keys": [hex]}) and prints {"version", "answers":
// {pool name: [host index per key, or null]}, "refused": {pool name: [key
// index]}}: a key whose _target is none of the hosts is refused. Each key is asked of the extension's
// own RedisArray::_target (ra_find_node). lazy_connect: no server is
// contacted. Run by tests/oracles/clients.py.
$req = json_decode(stream_get_contents(STDIN), true);
$keys = array_map('hex2bin', $req['keys']);
$answers = array();
$refused = array();
foreach ($req['pools'] as $pool) {
    $opts = array('lazy_connect' => true);
    if (isset($pool['consistent'])) { $opts['consistent'] = $pool['consistent']; }
    if (isset($pool['algorithm'])) { $opts['algorithm'] = $pool['algorithm']; }
    $ra = new RedisArray($pool['hosts'], $opts);
    $out = array();
    foreach ($keys as $k) {
        $i = array_search($ra->_target($k), $pool['hosts'], true);
        // Not a configured host: the extension computed a position past its
        // host list and read whatever lies there (recorded as null, and the
        // key listed in "refused").
        if ($i === false) { $refused[$pool['name']][] = count($out); $i = null; }
        $out[] = $i;
    }
    $answers[$pool['name']] = $out;
}
echo json_encode(array('version' => phpversion('redis'), 'answers' => $answers, 'refused' => $refused)), "\n";
