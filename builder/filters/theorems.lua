-- Theorem-like blocks as in Quarto's PDF: a div of every Quarto kind (#thm-, #lem-, #cor-,
-- #prp-, #cnj-, #def-, #exm-, #exr-, #rem-, #sol-) becomes its numbered LaTeX environment,
-- a leading "## Name" its name in brackets; .proof, .remark and .solution are unnumbered.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local UNNUMBERED = {proof = "proof", remark = "remark", solution = "solution"}

local function environment(div, env, label)
  local title = latex.take_title(div)
  local blocks = pandoc.List({latex.rawblock("\\begin{" .. env .. "}"
    .. (title and ("[" .. title .. "]") or "") .. (label and ("\\label{" .. label .. "}") or ""))})
  blocks:extend(div.content)
  local last = blocks[#blocks]
  if env == "proof" and (last.t == "Para" or last.t == "Plain") then
    -- as Quarto: \end{proof} right after the last line, so the QED mark ends that line
    last.content:insert(latex.raw("\n\\end{proof}"))
  else
    blocks:insert(latex.rawblock("\\end{" .. env .. "}"))
  end
  return blocks
end

function Div(div)
  local kind = div.identifier:match("^(%a+)%-")
  if kind and latex.THEOREM_ENVS[kind] then
    return environment(div, latex.THEOREM_ENVS[kind], div.identifier)
  end
  for _, class in ipairs(div.classes) do
    if UNNUMBERED[class] then return environment(div, UNNUMBERED[class], nil) end
  end
  return nil
end
