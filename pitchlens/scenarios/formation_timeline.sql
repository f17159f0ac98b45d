-- description: Formation timeline of one match: each window's label, counts and confidence per team, in and out of possession.
-- param match_id: string, required. The match.
-- param team: string = null. Only this team (home or away; default both).
-- param window_kind: string = fixed. Windows: fixed or possession.
SELECT window_id, team, in_possession, t_start, t_end, formation, defenders, midfielders, forwards,
       central_mf_count, cost, players_seen
FROM formations
WHERE match_id = $match_id AND window_kind = $window_kind AND ($team IS NULL OR team = $team)
ORDER BY t_start, team, in_possession DESC
