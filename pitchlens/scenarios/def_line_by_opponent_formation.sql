-- description: Defensive-line height of a team out of possession (metres from its own goal line, pitch of the given length) by the opponent's formation in possession in the same window.
-- param team: string, required. The defending team: home or away.
-- param window_kind: string = fixed. Windows: fixed or possession.
-- param pitch_length: float = 105.0. Pitch length in metres (the line height is def_line_x + length / 2).
SELECT
    f.formation AS opponent_formation,
    count(*) AS windows,
    avg(s.def_line_x + $pitch_length / 2) AS def_line_height,
    avg(s.length) AS block_length,
    avg(s.width) AS block_width,
    sum(s.t_end - s.t_start) AS seconds
FROM shape_windows s
JOIN formations f
  ON f.match_id = s.match_id AND f.window_id = s.window_id AND f.team <> s.team AND f.in_possession
WHERE s.team = $team AND NOT s.in_possession AND f.window_kind = $window_kind AND s.def_line_x IS NOT NULL
GROUP BY f.formation
ORDER BY windows DESC, opponent_formation
